package main

import (
	"context"
	"errors"
)

// interrupted rewrites a cancellation (SIGTERM, SIGINT) into what the
// user needs to know; other errors are returned as they are.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted: stopped, no output written")
	}
	return err
}
