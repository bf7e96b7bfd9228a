package main

import (
	"fmt"
	"net/http"
	"log"
	"os"
)


func init() {
	logFile, err := os.OpenFile(`/data/go.log`, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0666)
	if err != nil {
		panic(err)
	}
	log.SetOutput(logFile)
}


func index(w http.ResponseWriter, r *http.Request) {
	log.Println("我访问了Hello World这个路径")
	fmt.Fprintf(w, "<h1>Hello World</h1>")
}

func main() {
	http.HandleFunc("/", index)

	fmt.Println("Server starting...")
	http.ListenAndServe(":3000", nil)
}
