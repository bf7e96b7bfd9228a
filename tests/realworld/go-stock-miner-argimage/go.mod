module github.com/imega/stock-miner

go 1.15

require (
	github.com/99designs/gqlgen v0.13.0
	github.com/TinkoffCreditSystems/invest-openapi-go-sdk v0.6.1
	github.com/julienschmidt/httprouter v1.3.0
	github.com/mattn/go-sqlite3 v1.14.6
	github.com/onsi/ginkgo v1.15.2
	github.com/robfig/cron/v3 v3.0.1
	github.com/shurcooL/vfsgen v0.0.0-20200824052919-0d455de96546
	github.com/sirupsen/logrus v1.8.1
)
