package main

import "fmt"

func main() {
	name := "nemo"
	fmt.Printf("fish %d swims\n", name)
}
