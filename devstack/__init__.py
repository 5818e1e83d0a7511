"""Local stand-ins for the outside world (never imported by anchor/): sandboxes, DynamoDB Local, make run."""
