public enum OmzienModelPlaceholder {}
