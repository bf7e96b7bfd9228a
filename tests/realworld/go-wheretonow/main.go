package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"net/http"
	"os"
	"sort"
	"strconv"
	"time"
)

type URLs []URL

var Data URLs

type URL struct {
	Time int    `json:"time,string"`
	URL  string `json:"url"`
}

var WeDebugging bool

func main() {
	confPtr := flag.String("conf", "config/config.json", "/path/to/config")
	netPtr := flag.String("network", ":8080", "Your listening port, see the Readme for usage")
	debugPtr := flag.Bool("debug", false, "To turn on debugging, pass true")
	flag.Parse()
	WeDebugging = *debugPtr

	file, err := ioutil.ReadFile(*confPtr)
	if err != nil {
		fmt.Printf("File error: %v\n", err)
		os.Exit(1)
	}
	err = json.Unmarshal(file, &Data)
	if err != nil {
		os.Exit(2)
	}
	sort.Sort(byTime(Data))
	http.HandleFunc("/", ServeHTTP)
	http.ListenAndServe(*netPtr, nil)
}

func ServeHTTP(w http.ResponseWriter, r *http.Request) {
	currTime, _ := strconv.Atoi(time.Now().Format("1504"))
	_ = currTime
	http.Redirect(w, r, Data[len(Data)-1].URL, 303)
}

type byTime []URL

func (a byTime) Len() int           { return len(a) }
func (a byTime) Less(i, j int) bool { return a[i].Time < a[j].Time }
func (a byTime) Swap(i, j int)      { a[i], a[j] = a[j], a[i] }
