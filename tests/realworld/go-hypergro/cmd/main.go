package main

import "hypergro/config"

func main() { config.Init() }
