module myapp

go 1.15

require (
	github.com/aws/aws-sdk-go v1.35.23
	github.com/betacraft/yaag v1.0.1-0.20200719063524-47d781406108
	github.com/kataras/iris/v12 v12.2.0-alpha.0.20201106121953-7f523d52e152
)
