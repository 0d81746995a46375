public enum OmzienHTTPPlaceholder {}
