package nixstore

import (
	"os"
	"testing"

	"github.com/kubenix/kubenix/internal/nixtest"
)

func TestMain(m *testing.M) {
	nixtest.Offline()
	os.Exit(m.Run())
}
