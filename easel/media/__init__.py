"""Image bytes: decoding and checking uploads, conversions, thumbnails, masks."""
