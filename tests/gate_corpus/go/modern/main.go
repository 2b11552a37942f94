package main

import (
	"fmt"
	"maps"
	"slices"
)

func main() {
	depths := map[string]int{"reef": 3, "trench": 11}
	keys := slices.Sorted(maps.Keys(depths))
	for i := range 3 {
		fmt.Println(i, min(depths["reef"], i), max(1, 2), keys)
	}
}
