package api
var X = 1
