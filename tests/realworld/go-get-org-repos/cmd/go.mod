module github.com/denis-tingajkin/get-organization-repositories/cmd

go 1.16

require github.com/google/go-github/v32 v32.1.0
