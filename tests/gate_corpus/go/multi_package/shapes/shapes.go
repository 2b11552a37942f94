package shapes

type Square struct{ Side float64 }

func Area(s Square) float64 {
	return s.Side * s.Side
}
