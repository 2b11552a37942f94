package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var _ = []any{bufio.NewReader, json.Marshal, errors.New, fmt.Println, maps.Keys[map[int]int], math.Abs,
	rand.IntN, http.ListenAndServe, os.Exit, slices.Sort[[]int], sort.Ints, strconv.Itoa, strings.ToUpper,
	sync.NewCond, time.Now}

func main() {}
