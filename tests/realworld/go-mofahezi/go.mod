module mofahezi-api

go 1.20

require (
	github.com/cihub/seelog v0.0.0-20170130134532-f561c5e57575
	github.com/jordan-wright/email v4.0.1-0.20210109023952-943e75fe5223+incompatible
	github.com/otiai10/copy v1.11.0
)

require golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect
