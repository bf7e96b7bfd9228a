module url-shortner

go 1.20

require (
	github.com/google/uuid v1.3.1
	github.com/kataras/iris/v12 v12.2.5
	go.etcd.io/bbolt v1.3.7
)
