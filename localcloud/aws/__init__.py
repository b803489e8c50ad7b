"""The local cloud's AWS services on moto: `services.AwsServices` runs them, `moto_hooks` holds
the moto internals it overrides, `provisioning` creates the stack's resources, `clients` the
boto3 clients against them and `console_views` what the /_local page shows of them."""
