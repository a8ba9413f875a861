"""The portal: the product's one public entry point. It owns the browser session (login,
logout, password change), the pages under `/work`, and the broker that forwards `/work/api/*` to
the engine with trusted identity headers. It reaches the engine only through the broker and
never imports `engine` or `store`."""
