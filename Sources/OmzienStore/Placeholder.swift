import OmzienModel
public enum OmzienStorePlaceholder {}
