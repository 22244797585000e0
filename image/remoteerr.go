package image

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// explain adds what a bare registry status means to err. Registries answer
// HEAD requests without a body, so a refusal there arrives as a status
// code alone; the code is enough to say what to do.
func explain(err error) error {
	var te *transport.Error
	if !errors.As(err, &te) || len(te.Errors) > 0 {
		return err
	}
	switch te.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: the registry wants credentials (docker login)", err)
	case http.StatusForbidden:
		return fmt.Errorf("%w: the registry denies access to this repository", err)
	case http.StatusTooManyRequests:
		return fmt.Errorf("%w: the registry's rate limit was hit; try again later, or log in", err)
	}
	return err
}
