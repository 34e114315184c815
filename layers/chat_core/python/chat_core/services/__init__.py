"""Use cases with plain arguments: no HTTP event, no boto3, no openai in their signatures."""
