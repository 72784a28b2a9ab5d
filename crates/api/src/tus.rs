//! What mstream speaks of the tus 1.0 protocol, shared by the routes that
//! speak it and the OpenAPI document that describes them.

/// The protocol version spoken (the only one).
pub const TUS_VERSION: &str = "1.0.0";
/// The extensions supported.
pub const TUS_EXTENSIONS: &str = "creation,creation-with-upload,termination,expiration,checksum";
/// The checksum algorithms supported.
pub const TUS_CHECKSUMS: &str = "sha1";
/// The header on the answer to an upload's last byte naming the media file
/// it became (the id); tus leaves what an upload becomes to the server.
pub const MEDIA_FILE_HEADER: &str = "Mstream-Media-File";
