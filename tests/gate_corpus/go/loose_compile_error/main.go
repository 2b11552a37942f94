package main

import "fmt"

func main() {
	count := 3
	var total int = "three"
	fmt.Println(total)
}
