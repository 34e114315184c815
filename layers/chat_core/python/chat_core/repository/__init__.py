"""Storage: the port the services depend on and its DynamoDB implementation."""
