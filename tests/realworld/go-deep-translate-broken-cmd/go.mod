module deep-translate

go 1.12

require (
	github.com/aws/aws-sdk-go v1.30.7
	github.com/gin-gonic/gin v1.7.7
	github.com/joho/godotenv v1.3.0
)
