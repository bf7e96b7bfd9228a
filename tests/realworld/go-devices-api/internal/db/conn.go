package db
var X = 1
