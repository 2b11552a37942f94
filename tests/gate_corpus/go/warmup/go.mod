module ingle.test/warmup

go 1.22
