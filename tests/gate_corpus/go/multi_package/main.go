package main

import (
	"fmt"

	"example.com/tank/shapes"
)

func main() {
	fmt.Println(shapes.Area(shapes.Square{Side: 2}))
}
