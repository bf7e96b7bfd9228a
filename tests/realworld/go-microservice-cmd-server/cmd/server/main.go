package main

import (
	"log"
)

func main() {
	log.Print("server has started")
}
