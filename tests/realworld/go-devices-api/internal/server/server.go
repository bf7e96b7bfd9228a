package server
var X=1
