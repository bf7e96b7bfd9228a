module github.com/lab7arriam/cryweb

go 1.12

require (
	github.com/dgrijalva/jwt-go v3.2.0+incompatible
	github.com/foolin/goview v0.2.0
	github.com/labstack/echo/v4 v4.1.5
	github.com/spf13/viper v1.4.0
)
