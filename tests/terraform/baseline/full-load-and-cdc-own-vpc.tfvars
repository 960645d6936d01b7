# A CDC task in your own VPC: no network created, HTTPS egress instead of an endpoint.
migration_refresh_type = "full-load-and-cdc"
vpc_id                 = "vpc-0123456789abcdef0"
subnet_ids             = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
