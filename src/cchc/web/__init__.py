"""The web framework every domain's pages and API routes are built on: the request's session and CSRF (`deps`),
templates (`templating`), error answers (`errors`), the request limits (`limits`, `inputs`), security headers and
rate limits (`security`), request ids and /healthz (`operations`), the OpenAPI document and its page (`openapi`,
`apidocs`), static files. It imports no domain; the application that assembles the domains is cchc.app."""
