package lms_test

import "golang.org/x/oauth2"

// oauth2HTTPClient is the context key the oauth2 package reads its HTTP
// client from.
var oauth2HTTPClient = oauth2.HTTPClient
