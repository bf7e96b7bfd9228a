module github.com/Rebne/buffer_note

go 1.23.1

require (
	github.com/go-chi/chi/v5 v5.1.0
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/mattn/go-sqlite3 v1.14.23 // indirect
	github.com/robfig/cron/v3 v3.0.1
	golang.org/x/text v0.18.0 // indirect
	gorm.io/driver/sqlite v1.5.6
	gorm.io/gorm v1.25.12
)
