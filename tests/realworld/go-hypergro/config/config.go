package config
func Init(){ viperConfig() }
