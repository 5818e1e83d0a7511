"""A local S3 for the owners' photos: moto's server with the photo bucket made at start.

Browsers load the files straight from it (path-style: http://127.0.0.1:<port>/<bucket>/photos/…),
as they load them from the real bucket's public `photos/` prefix. `python -m devstack.s3 --port N`.
"""
import argparse
import json

from devstack.moto_standin import MotoStandin, local_client, serve_until_signalled

BUCKET = "anchor-photos"


def public_photos(name):
    """The bucket policy the deploy gives (.ebextensions/08-photos.config): anyone may read `photos/*`."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicPhotos", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/photos/*"}]})


class S3Standin(MotoStandin):
    """moto's server on 127.0.0.1 (a free port unless one is given), speaking S3."""

    def create_bucket(self, name=BUCKET):
        """Make the photo bucket, readable by browsers under `photos/` only (moto enforces the policy);
        returns the base URL browsers load photos from."""
        client = local_client("s3", self.endpoint)
        client.create_bucket(Bucket=name)
        client.put_bucket_policy(Bucket=name, Policy=public_photos(name))
        return f"{self.endpoint}/{name}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5059)
    parser.add_argument("--bucket", default=BUCKET)
    args = parser.parse_args(argv)
    standin = S3Standin(args.port).start()
    base_url = standin.create_bucket(args.bucket)
    serve_until_signalled(standin, bucket=args.bucket, base_url=base_url)


if __name__ == "__main__":
    main()
