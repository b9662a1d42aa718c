"""Product media: image checks and thumbnails, the file store, videos by URL, and the use cases."""
