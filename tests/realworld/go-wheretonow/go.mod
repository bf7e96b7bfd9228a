module WhereToNow

go 1.14
