package logger
func ConfigureLogger(){}
