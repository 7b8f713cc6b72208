-- Per-AMI drivers (issue 8): the driver that runs instances of an image ('vm' | 'process'; NULL = the server's default
-- driver), inherited by CreateImage from the source instance, and the driver an instance was launched for (from its
-- AMI at RunInstances, so it stays the same when the AMI is deregistered later).
ALTER TABLE images ADD COLUMN driver TEXT;
ALTER TABLE instances ADD COLUMN driver TEXT;
