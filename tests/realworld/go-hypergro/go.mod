module hypergro

go 1.23

require github.com/spf13/viper v1.20.1
