"""Teaching materials (CQ-B4, issue #16 item 2): versioned files attached to classes and courses."""
