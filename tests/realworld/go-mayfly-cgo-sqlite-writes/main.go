package main

import (
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/robfig/cron/v3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

var db *gorm.DB

type DeletionInfo struct {
	LastDeletionTime time.Time `json:"last_deletion_time"`
}

var deletionInfo DeletionInfo

func main() {
	db, _ = gorm.Open(sqlite.Open("messages.db"), &gorm.Config{})
	r := chi.NewRouter()
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	r.Get("/", homeHandler)
	c := cron.New()
	c.Start()
	log.Fatal(http.ListenAndServe(":8080", r))
}

func homeHandler(w http.ResponseWriter, r *http.Request) {
	tmpl, err := template.ParseFiles("templates/home.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	tmpl.Execute(w, nil)
}

func loadDeletionInfo() {
	file, _ := os.ReadFile("deletion_info.json")
	json.Unmarshal(file, &deletionInfo)
}

func saveDeletionInfo() {
	file, _ := json.Marshal(deletionInfo)
	os.WriteFile("deletion_info.json", file, 0644)
}
