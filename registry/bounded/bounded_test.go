package bounded

import (
	"fmt"
	"sync"
	"testing"
)

func TestWeightNeverPassesBudget(t *testing.T) {
	c := New[int, string](1000, func(s string) int64 { return int64(len(s)) })
	for i := range 10_000 {
		c.LoadOrStore(i, fmt.Sprintf("%0*d", 1+i%97, i))
		if st := c.Stats(); st.Weight > 1000 {
			t.Fatalf("after %d adds the weight is %d, over the budget of 1000", i+1, st.Weight)
		}
	}
	st := c.Stats()
	if st.Entries == 0 || st.Weight < 900 {
		t.Fatalf("the cache should stay nearly full: %+v", st)
	}
	if st.Evictions == 0 {
		t.Fatalf("no evictions counted: %+v", st)
	}
	// The last value added is always there.
	if v, ok := c.Get(9999); !ok || v != fmt.Sprintf("%0*d", 1+9999%97, 9999) {
		t.Fatalf("Get(9999) = %q, %t", v, ok)
	}
}

func TestAddKeepsTheFirstValue(t *testing.T) {
	c := New[string, string](10, nil)
	if got, loaded := c.LoadOrStore("k", "first"); got != "first" || loaded {
		t.Fatalf("LoadOrStore = %q, %t", got, loaded)
	}
	if got, loaded := c.LoadOrStore("k", "second"); got != "first" || !loaded {
		t.Fatalf("second LoadOrStore = %q, %t, want the cached first", got, loaded)
	}
	c.Put("k", "third")
	if v, _ := c.Get("k"); v != "third" {
		t.Fatalf("after Put: %q", v)
	}
}

func TestCountBound(t *testing.T) {
	c := New[int, int](3, nil)
	for i := range 10 {
		c.LoadOrStore(i, i)
	}
	if st := c.Stats(); st.Entries != 3 || st.Weight != 3 {
		t.Fatalf("a count-bounded cache of 3: %+v", st)
	}
}

func TestHeavierThanBudgetIsNotStored(t *testing.T) {
	c := New[int, string](4, func(s string) int64 { return int64(len(s)) })
	c.LoadOrStore(1, "ab")
	if got, _ := c.LoadOrStore(2, "too long"); got != "too long" {
		t.Fatalf("LoadOrStore returned %q", got)
	}
	if _, ok := c.Get(2); ok {
		t.Fatal("a value heavier than the budget was stored")
	}
	if _, ok := c.Get(1); !ok {
		t.Fatal("storing nothing evicted an entry")
	}
	zero := New[int, int](0, nil)
	zero.LoadOrStore(1, 1)
	if _, ok := zero.Get(1); ok {
		t.Fatal("a cache of budget 0 stored a value")
	}
}

func TestDelete(t *testing.T) {
	c := New[int, int](100, nil)
	for i := range 10 {
		c.LoadOrStore(i, i)
	}
	c.Delete(3)
	c.DeleteFunc(func(k int) bool { return k%2 == 0 })
	if st := c.Stats(); st.Entries != 4 || st.Weight != 4 {
		t.Fatalf("after deletes: %+v", st)
	}
	for _, k := range []int{1, 5, 7, 9} {
		if _, ok := c.Get(k); !ok {
			t.Fatalf("%d was deleted", k)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New[int, int](64, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := (g*7919 + i) % 500
				if v, ok := c.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
					return
				}
				c.LoadOrStore(k, k)
				if i%100 == 0 {
					c.Delete(k)
				}
			}
		})
	}
	wg.Wait()
	if st := c.Stats(); st.Weight > 64 || int64(st.Entries) != st.Weight {
		t.Fatalf("after concurrent use: %+v", st)
	}
}

func BenchmarkGetParallel(b *testing.B) {
	c := New[int64, []byte](1<<30, func(v []byte) int64 { return int64(len(v)) })
	for i := range int64(1000) {
		c.LoadOrStore(i, make([]byte, 200))
	}
	b.RunParallel(func(pb *testing.PB) {
		var i int64
		for pb.Next() {
			c.Get(i % 1000)
			i++
		}
	})
}
