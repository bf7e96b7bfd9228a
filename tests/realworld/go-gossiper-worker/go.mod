module gitea.v3m.net/idriss/gossiper

go 1.23.0

toolchain go1.23.1

require (
	entgo.io/ent v0.14.1
	github.com/gorilla/websocket v1.5.3
	github.com/labstack/echo/v4 v4.12.0
	github.com/lib/pq v1.10.9
	github.com/maragudk/goqite v0.2.3
	github.com/mattn/go-sqlite3 v1.14.22
	github.com/spf13/viper v1.18.2
	github.com/stretchr/testify v1.9.0
)
