"""What the programme's figures say: which topics and kinds of post people share."""
