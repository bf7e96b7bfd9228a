module github.com/xnth97/magic-conch
go 1.20

require (
	github.com/deckarep/golang-set/v2 v2.3.0
	github.com/go-telegram-bot-api/telegram-bot-api/v5 v5.5.1
)
