module github.com/dragun-igor/messenger

go 1.19

require (
	github.com/jackc/pgx/v5 v5.1.1
	google.golang.org/grpc v1.50.1
	google.golang.org/protobuf v1.28.1
)
