package main

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/gorilla/mux"
)

func main() {
	router := mux.NewRouter()
	_ = json.NewEncoder
	log.Fatal(http.ListenAndServe(":12345", router))
}
