module lms

go 1.19

require (
	github.com/gorilla/mux v1.8.0
	go.mongodb.org/mongo-driver v1.11.1
)
