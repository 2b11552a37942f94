module example.com/tank

go 1.22
