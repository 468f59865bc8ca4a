package memstat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// units are the suffixes ParseSize accepts: powers of 1024, with the SI
// spellings meaning the same (as in nats-server's and GOMEMLIMIT's use).
var units = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"TB", 40}, {"GB", 30}, {"MB", 20}, {"KB", 10}, {"B", 0}}

// ParseSize parses a non-negative size in bytes with an optional unit:
// "4GiB", "512MiB", "1073741824".
func ParseSize(s string) (int64, error) {
	num, shift := strings.TrimSpace(s), uint(0)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, shift = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%w: %q: want a non-negative size in bytes, e.g. 4GiB or 1073741824", ErrBadSize, s)
	}
	return n << shift, nil
}
