module github.com/paddockml/paddock

go 1.26
